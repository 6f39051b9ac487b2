import { render } from 'preact';
import { PolicyStatus } from '../../src/ui/PolicyStatus';
import '../../src/ui/base.css';

const root = document.getElementById('app');
if (root) render(<PolicyStatus />, root);
