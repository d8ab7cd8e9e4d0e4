/**
 * `kiln completion bash|zsh`: shell completion generated from the command
 * tree itself, so it never lists a flag kiln does not have. Commands, their
 * flags, a flag's fixed choices, file names elsewhere, and image names (from
 * `kiln images`) where a command takes an image. zsh uses the bash function
 * through bashcompinit.
 */
import { Argument, Command, type Option } from 'commander';
import type { CliContext } from './context.js';

/** Commands whose first argument is an image in the local store. */
const IMAGE_ARGS = new Set(['run', 'inspect', 'history', 'rmi', 'tag', 'save', 'push']);

export function makeCompletionCommand(ctx: CliContext, program: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script: bash or zsh (e.g. source <(kiln completion bash))')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      ctx.stdout(shell === 'bash' ? bashScript(program()) : zshScript(program()));
    });
}

const words = (xs: readonly string[]): string => xs.join(' ');

function flagsOf(opts: readonly Option[]): { all: string[]; valued: string[]; choices: [string[], readonly string[]][] } {
  const all: string[] = [];
  const valued: string[] = [];
  const choices: [string[], readonly string[]][] = [];
  for (const o of opts) {
    if (o.hidden) continue;
    const names = [o.short, o.long].filter((n): n is string => n !== undefined);
    all.push(...names);
    if (o.required || o.optional) valued.push(...names);
    if (o.argChoices !== undefined) choices.push([names, o.argChoices]);
  }
  return { all, valued, choices };
}

function commandCase(c: Command): string {
  const { all, valued, choices } = flagsOf([...c.options, { long: '--help', short: '-h' } as Option]);
  // Subcommands, or else the fixed choices of the first argument (`completion bash|zsh`).
  const subs = c.commands.length > 0 ? visible(c.commands).map((s) => s.name()) : (c.registeredArguments[0]?.argChoices ?? []);
  const choiceCases = choices.map(([names, values]) => `        ${names.join('|')}) COMPREPLY=($(compgen -W "${words(values)}" -- "$cur")); return ;;`).join('\n');
  return [
    `    ${c.name()})`,
    `      opts="${words(all)}"; valued=" ${words(valued)} "; subs="${words(subs)}"; images=${IMAGE_ARGS.has(c.name()) ? 1 : 0}`,
    choiceCases === '' ? '' : `      case "$prev" in\n${choiceCases}\n      esac`,
    '      ;;',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** Commands not added with `{ hidden: true }` (commander keeps that in a private field). */
function visible(cs: readonly Command[]): Command[] {
  return cs.filter((c) => (c as Command & { _hidden?: boolean })._hidden !== true);
}

/** The bash completion script for `program`. */
export function bashScript(program: Command): string {
  const top = flagsOf(program.options);
  const commands = visible(program.commands);
  return `# kiln bash completion: source <(kiln completion bash), or save it under /etc/bash_completion.d/kiln
_kiln() {
  local cur prev cmd i opts valued subs images
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${top.valued.join('|')}) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    case "$prev" in
      --root) COMPREPLY=($(compgen -d -- "$cur")); return ;;
      --runtime) COMPREPLY=($(compgen -W "runc crun" -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${words([...top.all, '--help', '-h'])}" -- "$cur"))
    else COMPREPLY=($(compgen -W "${words(commands.map((c) => c.name()))}" -- "$cur")); fi
    return
  fi
  case "$cmd" in
${commands.map(commandCase).join('\n')}
    *) return ;;
  esac
  if [[ "$valued" == *" $prev "* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); return; fi
  if [[ -n "$subs" ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); return; fi
  if [[ "$images" == 1 ]]; then
    local root=() j
    for ((j = 1; j < COMP_CWORD; j++)); do [[ "\${COMP_WORDS[j]}" == --root ]] && root=(--root "\${COMP_WORDS[j+1]}"); done
    COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" "\${root[@]}" images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '^<none>')" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o default -F _kiln kiln
`;
}

/** The zsh completion script: the bash one through zsh's bashcompinit. */
export function zshScript(program: Command): string {
  return `#compdef kiln
# kiln zsh completion: source <(kiln completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(program).split('\n').slice(1).join('\n')}`;
}
