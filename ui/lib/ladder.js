// The stack ladder of a recommendation: each layer, from the code down to
// the hardware, marked as bundled by the artifact or assumed on the target.

/** Rows `{layer, role}` with role "bundled", "assumed" or "outside". */
export function ladder(layers, bundles, assumes) {
  const bundled = new Set(bundles);
  const assumed = new Set(assumes);
  return layers.map((layer) => ({
    layer,
    role: bundled.has(layer) ? "bundled" : assumed.has(layer) ? "assumed" : "outside",
  }));
}
