import { z } from 'zod';

const Text = z.preprocess((v) => (typeof v === 'string' ? v : undefined), z.string().optional());

/** The import page's text fields (the file itself is the field "file"): what to import into, and a new plan's details. */
export const ImportPageFields = z.object({ _csrf: Text, into: Text, organisation: Text, respondsTo: Text, title: Text });
