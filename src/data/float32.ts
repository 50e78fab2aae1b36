/** Largest finite float32. Features, inputs and weights are stored as float32: beyond this a number becomes Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** True for a number that survives the trip to float32 as a finite value. */
export function isFloat32Finite(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX;
}
