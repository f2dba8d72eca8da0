# CompletionIT's driver for zsh: zsh -f complete.zsh SCRIPT LINE OUT
# Starts an interactive zsh in a pseudo-terminal (zsh/zpty), loads the completion SCRIPT through
# bashcompinit as a user would, types LINE and TAB, then a key bound to a widget that writes the
# command line as completion left it to the file OUT.
zmodload zsh/zpty || exit 2
script=$1 line=$2 out=$3
zpty -b z 'zsh -f -i' || exit 2
zpty -w z "PS1='> '; autoload -U +X compinit && compinit -u; autoload -U +X bashcompinit && bashcompinit"
zpty -w z "source ${(q)script} || print -r -- SOURCE-FAILED > ${(q)out}"
zpty -w z "_vde_show() { print -r -- \"\$BUFFER\" > ${(q)out} }; zle -N _vde_show; bindkey '^X' _vde_show"
zpty -w -n z "$line"$'\t\C-x'
for i in {1..600}; do
  [[ -s $out ]] && break
  zpty -r -t z junk
  sleep 0.1
done
zpty -d z
[[ -s $out ]]
