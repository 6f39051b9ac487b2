// Builds the hub's console (src/hub/console/app, Preact) into dist/console, served by the hub at /console/.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/hub/console/app',
  base: '/console/',
  plugins: [preact()],
  // The console is an app of its own, not the extension: nothing from public/ is copied.
  publicDir: false,
  build: {
    outDir: '../../../../dist/console',
    emptyOutDir: true,
    sourcemap: false,
    // Browsers of a district office: current evergreen ones.
    target: 'es2022',
    // Hashed file names under assets/ (served as immutable); no inline script (the page's CSP allows none).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
});
