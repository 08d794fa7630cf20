/**
 * The command line's wording that more than one place prints (text used once stays where it is
 * used). Errors are thrown as CliError with these messages; src/cli/errors.ts prints them.
 */

/** `--app`'s help, for `synth` and every command that synthesizes first. */
export const APP_OPTION_HELP = "command that synthesizes the app (default: cdktf.json's app)";

/** `--output`'s help: `what` is "output directory" or "synth output directory". */
export const outputOptionHelp = (what: string): string => `${what} (default: cdktf.json's output or cdktf.out)`;

/**
 * A state entry that `state show`, `output` and the like were asked for and that is not there: worded by the engine.
 */
export { notInState } from "../engine/messages";

/** What `state rm` and `state mv` leave alone. */
export const REMOTE_UNTOUCHED = "the remote object is untouched";

/** The app command could not be started at all (`reposmith synth`, the controller's synth). */
export const couldNotRunApp = (app: string, reason: string): string => `could not run the app "${app}": ${reason}`;

/** The app exited 0 without writing a manifest (`reposmith synth`, the controller's synth). */
export const appWroteNothing = (app: string, outdir: string): string =>
  `the app "${app}" ran but wrote nothing to ${outdir}; does it call app.synth()?`;

/** A JSON input the CLI reads (cdktf.json, CDKTF_CONTEXT_JSON) that does not parse; `fix` says what to do. */
export const notValidJson = (what: string, err: unknown, fix: string): string =>
  `${what} is not valid JSON (${(err as Error).message}); ${fix}`;

/** A flag given a value outside its fixed set (`reconcile --drift-policy`, `--log-level`). */
export const notOneOf = (flag: string, choices: readonly string[], got: string): string =>
  `${flag} must be one of ${choices.join(", ")} (got "${got}")`;
