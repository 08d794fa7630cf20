/**
 * What the hooks' provisioners run unless the `reposmith:command` context says otherwise: the
 * reposmith installed where Terraform runs them (the stack's directory, normally inside the app),
 * found as Node finds any package: in node_modules of that directory or of a folder above it.
 *
 * Not `npx --no-install reposmith`: where reposmith is not installed, npx asks the registry about
 * the name (a network look-up inside `terraform apply`) and fails with a message that says nothing
 * about what to do. This says it. It needs only `node`, which reposmith needs anyway, and quotes
 * that `/bin/sh -c` and `cmd /C` (Terraform's local-exec interpreters) both pass through unchanged.
 * `--` ends node's own options; the script puts the found file in argv[1], where the CLI expects
 * its own path.
 */
const NOT_INSTALLED =
  "reposmith is not installed in '+process.cwd()+' or a folder above it; set the reposmith:command context";
export const DEFAULT_HOOK_COMMAND =
  `node -e "let p;try{p=require.resolve('reposmith/bin/reposmith.js')}` +
  `catch{console.error('${NOT_INSTALLED}');process.exit(1)}` +
  `process.argv.splice(1,0,p);require(p)" --`;
