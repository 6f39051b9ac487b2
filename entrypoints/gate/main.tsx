import { render } from 'preact';
import { Gate } from '../../src/ui/Gate';
import { uiLanguage } from '../../src/ui/i18n';
import '../../src/ui/base.css';

document.documentElement.lang = uiLanguage();
const root = document.getElementById('app');
if (root) render(<Gate gateId={location.hash.slice(1)} />, root);
