import { describe, expect, it } from '@jest/globals';
import { splitLeads } from './split-leads.js';

describe('splitLeads', () => {
  it('splits names separated by a slash, with or without spaces', () => {
    expect(splitLeads('Martin Pratt / Rachel Deakin')).toEqual(['Martin Pratt', 'Rachel Deakin']);
    expect(splitLeads('Martin Pratt / Chris Gill/ Glen Denham')).toEqual(['Martin Pratt', 'Chris Gill', 'Glen Denham']);
  });

  it('splits paragraphs and drops repeats', () => {
    expect(splitLeads('Anne Murray NHS Bedfordshire\nMedical Director\nAnne Murray NHS Bedfordshire')).toEqual(['Anne Murray NHS Bedfordshire', 'Medical Director']);
  });

  it('does not split on "and", "&" or commas', () => {
    expect(splitLeads('Head of QA and Audit Manager')).toEqual(['Head of QA and Audit Manager']);
    expect(splitLeads('HOS Learning & School Support')).toEqual(['HOS Learning & School Support']);
    expect(splitLeads('Martin Pratt and key partners from education, health, police and probation')).toEqual([
      'Martin Pratt and key partners from education, health, police and probation',
    ]);
  });

  it('drops the stray punctuation around a name', () => {
    expect(splitLeads('Martin Pratt;')).toEqual(['Martin Pratt']);
    expect(splitLeads('Allocated social workers/, IROs')).toEqual(['Allocated social workers', 'IROs']);
    expect(splitLeads('LSCB Training and Commissioning Manager.')).toEqual(['LSCB Training and Commissioning Manager']);
  });

  it('names nobody for an empty cell', () => {
    expect(splitLeads('')).toEqual([]);
  });
});
