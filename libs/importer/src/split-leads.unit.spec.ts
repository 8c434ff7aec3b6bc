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

  it('splits on " and " only where every part is a role or a name', () => {
    expect(splitLeads('Head of QA and Audit Manager')).toEqual(['Head of QA', 'Audit Manager']);
    expect(splitLeads('DCS and KSCB')).toEqual(['DCS', 'KSCB']);
    expect(splitLeads('DCS\nKSCB')).toEqual(['DCS', 'KSCB']);
    expect(splitLeads('Sue Ioannou and Rachel Deakin')).toEqual(['Sue Ioannou', 'Rachel Deakin']);
    expect(splitLeads('HOS Fostering and Adoption')).toEqual(['HOS Fostering and Adoption']);
    expect(splitLeads('Ken Harvey and Team managers')).toEqual(['Ken Harvey and Team managers']);
    expect(splitLeads('HOS Fostering and Head of F and A')).toEqual(['HOS Fostering and Head of F and A']);
  });

  it('does not split on "&" or commas', () => {
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
