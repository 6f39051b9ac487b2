export * from './vocabulary';
export * from './legal-basis';
export * from './district-policy';
export * from './consent';
export * from './adapter';
export * from './bundle';
export * from './roles';
