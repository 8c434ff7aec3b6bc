// Progressive enhancement only: every page reads and every form posts without this file.
// Served as a module from this origin, so the Content-Security-Policy needs no inline script.
import { initAll } from './govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();
