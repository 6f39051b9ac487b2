// Kept apart from helpers.ts so global-setup.ts can read it without loading the hub.
/** The fixtures' personal data and free text: never in a log line. */
export const FIXTURE_SECRETS = [
  'Ana Lopez',
  'Consent on file for the truancy mentoring program.',
  'Subpoena duces tecum for attendance and discipline records in case 24-JV-0193, served today.',
  'Truancy mentoring program',
];
