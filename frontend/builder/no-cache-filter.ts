/**
 * `--no-cache-filter STAGE`: the stages whose steps run even when cached
 * (BuildKit matches a stage by its `AS` name, case-insensitively; kiln also
 * takes a stage's index). A name that is no stage of the Dockerfile is an
 * error rather than a filter that silently matches nothing.
 */
import type { BuildPlan } from '../plan/index.js';
import { InvalidArgumentError } from '../../util/errors.js';

/** The indexes of the planned stages `names` designate. */
export function noCacheStages(plan: BuildPlan, names: readonly string[], allNames: readonly (string | null)[]): Set<number> {
  const out = new Set<number>();
  for (const raw of names) {
    const name = raw.toLowerCase();
    const stage = plan.stages.find((s) => s.name === name || String(s.index) === name);
    if (stage === undefined) {
      if (allNames.some((n, i) => n?.toLowerCase() === name || String(i) === name)) continue; // a stage the target does not need
      throw new InvalidArgumentError(`--no-cache-filter ${raw}: no stage of that name in the Dockerfile`);
    }
    out.add(stage.index);
  }
  return out;
}
