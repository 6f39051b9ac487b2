import { startBackground } from '../src/background/start';

export default defineBackground({
  type: 'module',
  main() {
    startBackground();
  },
});
