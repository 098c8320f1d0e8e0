#!/usr/bin/zsh -f
# SPDX-License-Identifier: LGPL-2.1-or-later
# zsh-complete.zsh FPATH_DIR LINE: what zsh's completion system offers
# for LINE (a TAB pressed at its end), one match a line, sorted. An
# interactive zsh runs in a pseudo-terminal (zpty) with compinit and
# _resctl from FPATH_DIR; compadd is wrapped to print the matches it is
# given (after the completion's own filtering) instead of showing a menu.
# Callers bound it with timeout(1).
emulate -L zsh
zmodload zsh/zpty || exit 1
local dir=$1 line=$2

zpty z zsh -f -i || exit 1
zpty -w z "PS1='' PROMPT='' RPROMPT=''; unsetopt beep; fpath=(${(q)dir} \$fpath)"
zpty -w z "PATH=${(q)PATH}"
# $ZCOMPDUMP (when set) is reused from one run to the next: compinit is quick then.
if [[ -n $ZCOMPDUMP ]]; then
        zpty -w z "autoload -U compinit && compinit -u -d ${(q)ZCOMPDUMP}"
else
        zpty -w z 'autoload -U compinit && compinit -u -D'
fi
zpty -w z 'zstyle ":completion:*" insert-tab false'
# The completion's matches: printed between markers, nothing inserted.
zpty -w z 'compadd() {
        if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
        local -a __m; local -A __o; zparseopts -E -A __o P: S: p: s: q Q
        builtin compadd -O __m "$@"
        local h; for h in $__m; do print -r -- "<M"">$IPREFIX${__o[-P]}$h${__o[-S]}"; done
}'
zpty -w z 'comppostfuncs=(__resctl_test_done); __resctl_test_done() { print -r -- "<E""ND>"; }'
# The terminal echoes what is typed: markers are split in the typing.
zpty -w z 'print -r -- "<READ""Y>"'
local out
zpty -r -m z out '*<READY>*' || exit 1
zpty -w -n z "$line"$'\t'
# Bounded: a completion that never ends fails instead of hanging.
out=
local chunk i
for (( i = 0; i < 400; i++ )); do
        if zpty -r -t z chunk; then
                out+=$chunk
                [[ $out == *'<END>'* ]] && break
        else
                sleep 0.05
        fi
done
[[ $out == *'<END>'* ]] || { print -u2 "zsh-complete.zsh: no end of completion for '$line'"; exit 1; }
zpty -d z
# A match may follow the echoed line on its line: break before each.
out=${${out//$'\r'/}//<M>/$'\n'<M>}
print -r -- "${(F)${(@)${(@M)${(@f)out}:#<M>*}#<M>}}" | sort -u | grep -v '^$' || :
