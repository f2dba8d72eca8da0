# CompletionIT's driver for bash: bash complete.bash SCRIPT LINE
# Sources the completion SCRIPT, splits LINE into words as bash does for completion (at blanks,
# and around the = of --option=value), sets COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT for
# the cursor at the end of LINE, and calls the function SCRIPT registered for vde as bash would.
# Prints that registration (complete -p vde), then COMPREPLY, one entry a line.
source "$1" || exit 2
line=$2
set -f
words=()
for w in $line; do
  if [[ $w == -*=* ]]; then
    words+=("${w%%=*}" =)
    [[ -n ${w#*=} ]] && words+=("${w#*=}")
  else
    words+=("$w")
  fi
done
[[ $line == *' ' ]] && words+=("")
COMP_WORDS=("${words[@]}")
COMP_CWORD=$((${#words[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
spec=$(complete -p vde) || exit 3
printf '%s\n' "$spec"
function=${spec#*-F }
function=${function%% *}
# compopt says "not currently executing completion function" outside of real completion
"$function" vde "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
(( ${#COMPREPLY[@]} == 0 )) || printf '%s\n' "${COMPREPLY[@]}"
