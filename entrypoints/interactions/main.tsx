import { render } from 'preact';
import { InteractionForm } from '../../src/ui/InteractionForm';
import '../../src/ui/base.css';

const root = document.getElementById('app');
if (root) render(<InteractionForm />, root);
