/** Number formatting shared by the table, the markdown report and the chart. */

/** `12,345` */
export function integer(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "—" : Math.round(value).toLocaleString("en-US");
}

/** `0.83×` */
export function ratio(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "—" : `${value.toFixed(2)}×`;
}

/** `1.23` (milliseconds, two decimals) */
export function ms(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "—" : value.toFixed(2);
}

/** `61.2 MiB` */
export function mebibytes(bytes: number | null): string {
  return bytes === null || !Number.isFinite(bytes) ? "—" : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** `1 min 23 s` */
export function duration(seconds: number): string {
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  return minutes === 0 ? `${whole} s` : `${minutes} min ${whole % 60} s`;
}
