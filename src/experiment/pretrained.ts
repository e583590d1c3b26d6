/**
 * ImageNet initialisation for experiment rows. The paper started every backbone from ImageNet
 * weights; here a folder holds one `dermkit weights import` result per encoder
 * (`<dir>/<encoder>/`), and each row starts from its encoder's weights when there are some, from
 * random initialisation otherwise. Which it was is part of the row's result.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { WEIGHTS_CARD_FILE } from '../weights/import.js';

/** `<root>/<encoder>` when it holds imported weights, else undefined. */
export async function pretrainedFor(root: string | undefined, encoder: string): Promise<string | undefined> {
  if (!root) return undefined;
  const dir = path.join(root, encoder);
  return access(path.join(dir, WEIGHTS_CARD_FILE)).then(() => dir, () => undefined);
}

/** The table note naming the rows that started from ImageNet weights. */
export function initialisationNote(rows: ReadonlyArray<{ name: string; status: string; result?: { pretrained?: string } }>): string {
  const imagenet = rows.flatMap((r) => (r.status === 'done' && r.result?.pretrained ? [r.name] : []));
  return imagenet.length > 0
    ? `Encoders initialised from ImageNet weights (dermkit weights import): ${imagenet.join(', ')}; the other rows start from random weights.`
    : 'Every row starts from random weights (the paper used ImageNet initialisation; see --pretrained).';
}
