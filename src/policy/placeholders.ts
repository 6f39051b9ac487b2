// Kept free of zod: the content script (which must stay small) and the network rules read it too.

/** Where a record endpoint's URL pattern names the student. */
export const STUDENT_PLACEHOLDER = '{student}';
