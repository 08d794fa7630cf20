/**
 * Validation wording that more than one construct uses (text used once stays where it is used).
 * Each message completes "<Kind> at "<path>": …" (ValidationError) or a cdktf validation line.
 */

/**
 * A prop given a plain value where a Secret reference belongs (only a variable's name is
 * synthesized): `apiKey must be a Secret reference such as Secret.fromEnv("CLOUDSMITH_API_KEY"),
 * never the key itself`. Several fields are named together, in the plural.
 */
export function secretRequired(fields: readonly string[], exampleEnv: string, noun = "value"): string {
  const many = fields.length > 1;
  const must = many ? "must be Secret references" : "must be a Secret reference";
  const never = many ? `never the ${noun}s themselves` : `never the ${noun} itself`;
  return `${fields.join(" and ")} ${must} such as Secret.fromEnv(${JSON.stringify(exampleEnv)}), ${never}`;
}

/** What a URL carrying credentials should do instead (`how`: the prop that takes them). */
export const credentialsHint = (how: string): string => `give ${how}, read from the environment at run time`;

/** The start of a synth error about two constructs that would manage one remote object. */
export const twoConstructs = (kinds: string, first: string, second: string): string =>
  `${kinds} "${first}" and "${second}"`;

/** A prop that takes a boolean and was given something else. */
export const mustBeBoolean = (field: string): string => `${field} must be true or false`;
