// The event contract (what the extension logs and the hub receives), re-exported from its home in src/report so
// that contracts are found in one place; src/report/event-contract.ts keeps the definitions.
export * from '../report/event-contract';
