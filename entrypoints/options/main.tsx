import { render } from 'preact';
import { Options } from '../../src/ui/Options';
import { uiLanguage } from '../../src/ui/i18n';
import '../../src/ui/base.css';

document.documentElement.lang = uiLanguage();
const root = document.getElementById('app');
if (root) render(<Options />, root);
