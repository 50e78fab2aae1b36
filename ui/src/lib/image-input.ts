/** Whether a model takes one 28x28 grey image per sample (as [28, 28], [784] or [28, 28, 1]). */
export function isImage28(inputShape: Array<number | null>): boolean {
  const s = inputShape.join(',');
  return s === '28,28' || s === '784' || s === '28,28,1';
}

/**
 * 28x28 grey values in [0, 1] (RGBA pixels in, light ink on dark as in MNIST) shaped as the model
 * wants one sample. `invert` for pictures of dark ink on a light page.
 */
export function toModelInput(rgba: Uint8ClampedArray, inputShape: Array<number | null>, invert = false): unknown {
  const grey: number[] = [];
  for (let i = 0; i < 28 * 28; i++) {
    const v = (0.299 * rgba[i * 4] + 0.587 * rgba[i * 4 + 1] + 0.114 * rgba[i * 4 + 2]) / 255;
    grey.push(invert ? 1 - v : v);
  }
  const s = inputShape.join(',');
  if (s === '784') return grey;
  const rows = Array.from({ length: 28 }, (_, r) => grey.slice(r * 28, r * 28 + 28));
  return s === '28,28,1' ? rows.map((row) => row.map((v) => [v])) : rows;
}

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Class names for a built-in dataset reference, in the order the model outputs them. */
export function builtinClassNames(ref: { builtin?: string; classes?: number[] } | undefined): string[] | null {
  const named: Record<string, string[]> = { 'fashion-mnist': FASHION_MNIST_CLASSES, mnist: MNIST_CLASSES, 'cifar-10': CIFAR10_CLASSES };
  const all = ref?.builtin && Object.hasOwn(named, ref.builtin) ? named[ref.builtin] : null;
  if (!all) return null;
  return ref?.classes ? ref.classes.map((c) => all[c] ?? String(c)) : all;
}
