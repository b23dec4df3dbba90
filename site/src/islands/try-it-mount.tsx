// Mounts the try-it island into an operation page (called on the learner's first click).
import { createRoot } from 'react-dom/client';
import { TryIt, type TryItModel } from './TryIt.tsx';

export function mountTryIt(el: HTMLElement, model: TryItModel): void {
  createRoot(el).render(<TryIt model={model} />);
}
