// Progressive enhancement for the reading pages: column sorting on tables marked data-module="moj-sortable-table".
// Every table reads in its server order without this file.
import { SortableTable } from './moj-sortable-table.mjs';

for (const table of document.querySelectorAll('[data-module="moj-sortable-table"]')) new SortableTable(table);
