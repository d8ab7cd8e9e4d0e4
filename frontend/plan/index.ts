/**
 * The build planner: Dockerfile semantics (ARG scoping, build args, stages,
 * `--target`, ONBUILD, every instruction's effect on the image config and
 * history) turned into plain data the builder executes. Pure apart from the
 * injected image resolver; see {@link planBuild}.
 *
 * ```ts
 * const df = parse(text, { filename });
 * const plan = await planBuild({ df, stages: parseStages(df), filename, buildArgs, platform, resolveImage });
 * ```
 */
export { planBuild } from './plan.js';
export { namedContextOf, namedContextRef, type NamedContext, type NamedContexts } from './graph.js';
export { formatPlatform, parsePlatform } from '../../oci/index.js';
export type {
  AddOptions,
  BuildPlan,
  ConfigInstruction,
  ConfigStep,
  CopyStep,
  ImageResolver,
  InlineFile,
  NetworkMode,
  PlanInput,
  PlannedStage,
  PlanWarning,
  ResolvedImage,
  RunMount,
  RunStep,
  SecurityMode,
  SourceRef,
  StageBase,
  Step,
  StepDefinition,
  WorkdirStep,
} from './types.js';
