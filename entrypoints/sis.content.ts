import { startPageGuard } from '../src/guard/page-guard';

// Registered at run time by the background on the hosts of the active policy's adapters
// (src/enforce/content-registration.ts), so a policy update can add a SIS without a new release.
export default defineContentScript({
  matches: ['http://*/*', 'https://*/*'],
  registration: 'runtime',
  runAt: 'document_start',
  allFrames: true,
  main() {
    startPageGuard();
  },
});
