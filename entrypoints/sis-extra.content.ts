import { startPageGuard } from '../src/guard/page-guard';

// The same guard, registered at run time on SIS hosts that the active policy adds beyond the bundled adapters.
export default defineContentScript({
  matches: ['http://*/*', 'https://*/*'],
  registration: 'runtime',
  runAt: 'document_start',
  allFrames: true,
  main() {
    startPageGuard();
  },
});
