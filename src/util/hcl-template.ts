/**
 * Terraform's JSON syntax reads every string as a template: `${...}` interpolates and `%{...}` is a
 * directive, while `$${` and `%%{` stand for the literal characters
 * (https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping and
 * https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences).
 * A literal reposmith writes into a stack is escaped so that Terraform hands it on unchanged.
 */

/** `text` as a template that evaluates to `text` itself. */
export function escapeTemplate(text: string): string {
  // A function as the replacement: in a replacement string "$$" means one "$".
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}

/**
 * What Terraform makes of an escaped literal: the inverse of escapeTemplate. Only for strings that
 * hold no interpolation (reposmith's own literals): a `${` left in them is kept as it is.
 */
export function unescapeTemplate(text: string): string {
  if (!text.includes("$${") && !text.includes("%%{")) return text;
  return text.replace(/\$\$\{/g, () => "${").replace(/%%\{/g, () => "%{");
}
