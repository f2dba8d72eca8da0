
# ---------------------------------------------------------------------------------------------
# What picocli's static script above cannot know, read from the image itself: snapshot names
# (--snapshot, --from, --to; snapshot delete|rollback IMAGE NAME) and the names of the files in
# the image (cat|rm|mv|dump-tree IMAGE NAME, as of --snapshot S if given), from
# `vde snapshot list IMAGE --json` and `vde ls IMAGE --json` (read line by line: no jq needed);
# and host file names for DELTA, --input and --output. Anything else goes to picocli's
# _complete_vde. Written by hand in src/docs/completion/vde-dynamic.bash; DocsGenerator appends
# it to the generated script with the list of options that take a value. Works in bash, and in
# zsh after `autoload -U +X bashcompinit && bashcompinit`.
# ---------------------------------------------------------------------------------------------

# Options that take a value, in any command (their value is not a positional argument).
_vde_value_options=" @VALUE_OPTIONS@ "

# Prints the "name" values of the JSON document that `vde ARGS... --json` prints, one a line.
function _vde_json_names() {
  local line
  command vde "$@" --json 2>/dev/null | while IFS= read -r line; do
    case $line in
      *'"name" : "'*)
        line=${line#*\"name\" : \"}
        line=${line%,}
        line=${line%\"}
        line=${line//\\\"/\"}
        printf '%s\n' "${line//\\\\/\\}"
        ;;
    esac
  done
}

# COMPREPLY: the NAMEs that start with the word being completed, quoted for the shell.
function _vde_reply_names() {
  local cur=$1 name quoted
  shift
  COMPREPLY=()
  while IFS= read -r name; do
    if [[ -n $name && $name == "$cur"* ]]; then
      printf -v quoted '%q' "$name"
      COMPREPLY+=("$quoted")
    fi
  done < <(_vde_json_names "$@")
}

# COMPREPLY: host files and directories that start with the word being completed.
function _vde_reply_files() {
  local IFS=$'\n'
  if [[ -n ${BASH_VERSION-} ]]; then
    compopt -o filenames 2>/dev/null
  fi
  COMPREPLY=($(compgen -f -- "$1"))
}

# An argument as the shell will pass it: ~ expanded, quotes and backslashes removed.
function _vde_unquote() {
  local w=$1
  case $w in
    \~/*) w=$HOME/${w#\~/} ;;
  esac
  w=${w//\'/}
  w=${w//\"/}
  printf '%s' "${w//\\/}"
}

function _vde_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev= i w pending= snapshot=
  COMPREPLY=()
  local -a args=()
  if (( COMP_CWORD > 0 )); then
    prev=${COMP_WORDS[COMP_CWORD - 1]}
  fi
  # bash splits --snapshot=S into --snapshot, = and S (and the word is = right after it)
  if [[ $cur == = ]]; then
    cur=
  elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
    prev=${COMP_WORDS[COMP_CWORD - 2]}
  fi
  # The words before the cursor less options and their values: the command, its subcommand, the positionals.
  for (( i = 1; i < COMP_CWORD; i++ )); do
    w=${COMP_WORDS[i]}
    if [[ -n $pending ]]; then
      [[ $w == = ]] && continue
      [[ $pending == --snapshot ]] && snapshot=$w
      pending=
      continue
    fi
    case $w in
      --snapshot=*) snapshot=${w#--snapshot=} ;;
      --*=*) ;;
      -*) [[ $_vde_value_options == *" $w "* ]] && pending=$w ;;
      *) args+=("$w") ;;
    esac
  done
  local cmd=${args[0]-}
  if [[ $cmd == snapshot ]]; then
    cmd="snapshot ${args[1]-}"
    args=("${args[@]:1}")
  fi
  local image
  image=$(_vde_unquote "${args[1]-}")
  local positional=$(( ${#args[@]} - 1 ))  # which argument of the command the cursor is on, from 0

  case $cur in
    --snapshot=*|--from=*|--to=*)  # zsh keeps --snapshot=S in one word
      [[ -f $image ]] && _vde_reply_names "${cur#*=}" snapshot list "$image"
      COMPREPLY=("${COMPREPLY[@]/#/${cur%%=*}=}")
      return 0
      ;;
  esac
  case $prev in
    --snapshot|--from|--to)
      [[ -f $image ]] && _vde_reply_names "$cur" snapshot list "$image"
      return 0
      ;;
    -i|--input|-o|--output)
      _vde_reply_files "$cur"
      return 0
      ;;
  esac
  if [[ $cur != -* ]]; then
    case "$cmd $positional" in
      "cat 1"|"rm 1"|"mv 1"|"dump-tree 1")
        if [[ -f $image ]]; then
          if [[ -n $snapshot && ($cmd == cat || $cmd == dump-tree) ]]; then
            _vde_reply_names "$cur" ls "$image" --snapshot "$(_vde_unquote "$snapshot")"
          else
            _vde_reply_names "$cur" ls "$image"
          fi
        fi
        return 0
        ;;
      "snapshot delete 1"|"snapshot rollback 1")
        [[ -f $image ]] && _vde_reply_names "$cur" snapshot list "$image"
        return 0
        ;;
      "apply 1"|"inspect 0")
        _vde_reply_files "$cur"
        return 0
        ;;
    esac
  fi
  _complete_vde "$@"
}

complete -F _vde_complete -o default vde
