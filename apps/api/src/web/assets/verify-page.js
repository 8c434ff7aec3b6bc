// The verify page's checks, run here in the browser by the same verifier `ledger verify` runs (the esbuild
// browser build of packages/bundle-verifier). The files are read locally; nothing is sent to the server.
// Every text from the bundle is set with textContent, never as HTML: a tampered bundle is hostile input.
import { readWitnessPolicy, verifyBundle } from './verify-bundle.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sept', 'Oct', 'Nov', 'Dec'];

/** "1 Oct 2009, 14:30 UTC", the way the rest of the service says an instant. */
function ukDateTime(iso) {
  const at = new Date(iso);
  if (typeof iso !== 'string' || Number.isNaN(at.getTime())) return String(iso);
  return `${at.getUTCDate()} ${MONTHS[at.getUTCMonth()]} ${at.getUTCFullYear()}, ${at.toISOString().slice(11, 16)} UTC`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function summaryRow(list, key, value) {
  const row = element('div', 'govuk-summary-list__row');
  row.append(element('dt', 'govuk-summary-list__key', key));
  const dd = element('dd', 'govuk-summary-list__value');
  if (typeof value === 'string') dd.textContent = value;
  else dd.append(value);
  row.append(dd);
  list.append(row);
}

function showError(result, field, message) {
  result.replaceChildren();
  const summary = element('div', 'govuk-error-summary');
  summary.setAttribute('data-module', 'govuk-error-summary');
  const alert = element('div');
  alert.setAttribute('role', 'alert');
  alert.append(element('h2', 'govuk-error-summary__title', 'There is a problem'));
  const body = element('div', 'govuk-error-summary__body');
  const list = element('ul', 'govuk-list govuk-error-summary__list');
  const item = element('li');
  const link = element('a', undefined, message);
  link.href = `#${field}`;
  item.append(link);
  list.append(item);
  body.append(list);
  alert.append(body);
  summary.append(alert);
  summary.tabIndex = -1;
  const form = document.getElementById('verify-form');
  form.before(summary);
  // The message by the field too, as the Design System's error pattern has it.
  const group = document.getElementById(field)?.closest('.govuk-form-group');
  if (group) {
    group.classList.add('govuk-form-group--error');
    const inline = element('p', 'govuk-error-message');
    inline.id = `${field}-error`;
    inline.append(element('span', 'govuk-visually-hidden', 'Error: '), document.createTextNode(message));
    (group.querySelector('.govuk-hint') ?? group.querySelector('label'))?.after(inline);
    const control = document.getElementById(field);
    control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') ?? ''} ${inline.id}`.trim());
  }
  summary.focus();
  return summary;
}

function clearErrors(form) {
  for (const group of form.querySelectorAll('.govuk-form-group--error')) group.classList.remove('govuk-form-group--error');
  for (const inline of form.querySelectorAll('.govuk-error-message')) {
    for (const control of form.querySelectorAll(`[aria-describedby~="${inline.id}"]`)) control.setAttribute('aria-describedby', control.getAttribute('aria-describedby').replace(inline.id, '').trim());
    inline.remove();
  }
}

function render(result, report, context) {
  result.replaceChildren();
  const failed = report.checks.filter((c) => !c.ok);
  const panel = element('div', failed.length === 0 ? 'govuk-panel govuk-panel--confirmation ledger-verify-outcome' : 'ledger-verify-outcome ledger-verify-outcome--failed');
  panel.setAttribute('data-testid', 'verify-outcome');
  if (failed.length === 0) {
    panel.append(element('h2', 'govuk-panel__title', 'The bundle checks out'));
    panel.append(element('div', 'govuk-panel__body', report.summary));
  } else {
    panel.append(element('h2', 'govuk-heading-l', 'Do not rely on this bundle'));
    panel.append(element('p', 'govuk-body-l', report.summary));
  }
  result.append(panel);

  const manifest = report.manifest;
  if (manifest) {
    result.append(element('h2', 'govuk-heading-m', 'What the bundle says it is'));
    const list = element('dl', 'govuk-summary-list');
    summaryRow(list, 'File', context.file);
    summaryRow(list, 'Plan', String(manifest.planId));
    summaryRow(list, 'As at', `${ukDateTime(manifest.asAt)} (${manifest.time === 'effective' ? 'effective time: when things happened' : 'recorded time: when the ledger was told'})`);
    list.lastElementChild.setAttribute('data-testid', 'verify-result-as-at');
    summaryRow(list, 'Made', ukDateTime(manifest.createdAt));
    const merkle = manifest.merkle;
    if (merkle && typeof merkle === 'object') {
      summaryRow(list, 'Events (tree size)', String(merkle.treeSize));
      const root = element('code', 'ledger-hash', String(merkle.rootHash));
      summaryRow(list, 'Merkle root', root);
    }
    const key = manifest.signingKey;
    if (key && typeof key === 'object') {
      const wrap = element('div');
      wrap.append(element('code', 'ledger-hash', String(key.fingerprint)));
      wrap.setAttribute('data-testid', 'verify-fingerprint');
      summaryRow(list, 'Signing key fingerprint', wrap);
    }
    if (context.previousFile) summaryRow(list, 'Checked against', context.previousFile);
    result.append(list);
    if (!context.fingerprintGiven) {
      const inset = element('div', 'govuk-inset-text', 'Compare the signing key fingerprint with the one the ledger operator publishes. The checks prove the bundle is unchanged since it was signed with this key; only the fingerprint tells you whose key it is.');
      result.append(inset);
    }
  }

  result.append(element('h2', 'govuk-heading-m', 'Each check'));
  const checks = element('ul', 'govuk-task-list');
  checks.setAttribute('data-testid', 'verify-checks');
  report.checks.forEach((check, index) => {
    const item = element('li', 'govuk-task-list__item');
    const name = element('div', 'govuk-task-list__name-and-hint');
    const id = `check-${index}`;
    name.append(element('p', 'govuk-body govuk-!-margin-bottom-1 govuk-!-font-weight-bold', check.name));
    const hint = element('div', 'govuk-task-list__hint ledger-check-detail', check.detail);
    hint.id = `${id}-detail`;
    name.append(hint);
    item.append(name);
    const status = element('div', 'govuk-task-list__status');
    status.append(element('strong', check.ok ? 'govuk-tag govuk-tag--green' : 'govuk-tag govuk-tag--red', check.ok ? 'Passed' : 'Failed'));
    item.append(status);
    checks.append(item);
  });
  result.append(checks);
  result.focus();
}

async function bytesOf(file) {
  return new Uint8Array(await file.arrayBuffer());
}

function start() {
  const form = document.getElementById('verify-form');
  const result = document.getElementById('verify-result');
  if (!form || !result) return;
  form.hidden = false;
  let errorSummary;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errorSummary?.remove();
    clearErrors(form);
    // By name and type: the Design System's enhanced upload gives its drop-zone button the field's id.
    const bundle = form.querySelector('input[type=file][name=bundle]').files?.[0];
    const previous = form.querySelector('input[type=file][name=previous]').files?.[0];
    const fingerprint = form.querySelector('input[name=fingerprint]').value.trim();
    if (!bundle) {
      errorSummary = showError(result, 'bundle', 'Select the evidence bundle to check');
      return;
    }
    // The same reading of keys and quorum as `ledger verify --witness … --quorum …`.
    const witnesses = readWitnessPolicy([form.querySelector('textarea[name=witnesses]').value], form.querySelector('input[name=quorum]').value);
    if (!witnesses.ok) {
      errorSummary = showError(result, witnesses.field === 'witness' ? 'witnesses' : 'quorum', witnesses.field === 'witness' ? `A witness key is not right: ${witnesses.problem}` : witnesses.problem);
      return;
    }
    const button = document.getElementById('verify-button');
    button.disabled = true;
    result.replaceChildren(element('p', 'govuk-body', 'Checking the bundle…'));
    try {
      const report = await verifyBundle(await bytesOf(bundle), {
        file: bundle.name,
        ...(previous ? { previous: await bytesOf(previous), previousFile: previous.name } : {}),
        ...(fingerprint ? { trustedFingerprint: fingerprint } : {}),
        ...(witnesses.policy ? { witnessPolicy: witnesses.policy } : {}),
      });
      render(result, report, { file: bundle.name, previousFile: previous?.name, fingerprintGiven: Boolean(fingerprint) });
    } catch (error) {
      // The verifier never throws on a bad bundle; this is a file the browser could not read.
      errorSummary = showError(result, 'bundle', `The file could not be read: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      button.disabled = false;
    }
  });
}

start();
