import { startPageGuard } from '../src/guard/page-guard';

// In the manifest, for the hosts of the adapters bundled with the build (wxt.config.ts fills in `matches`), so
// the guard is there from the first page after install. Hosts a later policy adds get `sis-extra` at run time.
export default defineContentScript({
  matches: ['*://localhost/*'],
  runAt: 'document_start',
  allFrames: true,
  matchOriginAsFallback: true,
  main() {
    startPageGuard();
  },
});
