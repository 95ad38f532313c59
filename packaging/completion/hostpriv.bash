# bash completion for hostpriv(1): commands, options, configuration keys
# and their values, task and plugin names.  The words come from the
# program being completed (`hostpriv complete WHAT`), so they are always
# its own.  Installed as $(DATADIR)/bash-completion/completions/hostpriv.

# The words of `hostpriv complete "$@"` matching the current word.
_hostpriv_offer()
{
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" complete "$@" \
        2>/dev/null)" -- "$_hostpriv_cur"))
}

# The index of the command word, skipping the global options and their
# values (bash splits "--set k=v" at '=': "--set" "k" "=" "v").
_hostpriv_command_at()
{
    local i=1
    while [ "$i" -lt "$COMP_CWORD" ]; do
        case ${COMP_WORDS[i]} in
        -c|--root|--set)
            i=$((i + 1))
            [ "${COMP_WORDS[i]}" = "=" ] && i=$((i + 1))
            i=$((i + 1))
            while [ "${COMP_WORDS[i]}" = "=" ] && [ "$i" -lt "$COMP_CWORD" ]; do
                i=$((i + 2))
            done ;;
        -*) i=$((i + 1)) ;;
        *) echo "$i"; return ;;
        esac
    done
    echo 0
}

# A value for "--set KEY=": KEY is the word before the '='.
_hostpriv_set_value()
{
    local key=$1
    _hostpriv_offer values "$key"
    compopt -o nospace 2>/dev/null
}

_hostpriv_global()
{
    local prev=$1
    case $prev in
    -c) COMPREPLY=($(compgen -f -- "$_hostpriv_cur")); return ;;
    --root) COMPREPLY=($(compgen -d -- "$_hostpriv_cur")); return ;;
    --set)
        _hostpriv_offer keys
        COMPREPLY=("${COMPREPLY[@]/%/=}")
        compopt -o nospace 2>/dev/null
        return ;;
    esac
    case $_hostpriv_cur in
    -*) _hostpriv_offer options ;;
    *) _hostpriv_offer commands ;;
    esac
}

# Arguments of a command: n is the position after it (1: the first).
_hostpriv_args()
{
    local cmd=$1 n=$2 prev=$3 first=$4
    local cur=$_hostpriv_cur
    case $cmd in
    links|socket-link) [ "$n" = 1 ] && COMPREPLY=($(compgen -W "install remove" -- "$cur")) ;;
    hosts) [ "$n" = 1 ] && COMPREPLY=($(compgen -W "ensure" -- "$cur")) ;;
    bind) [ "$n" = 1 ] && COMPREPLY=($(compgen -W "tcp udp" -- "$cur")) ;;
    config) [ "$n" = 1 ] && COMPREPLY=($(compgen -W "--check" -- "$cur")) ;;
    doctor) [ "$n" = 1 ] && COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
    install) [ "$prev" = --user ] && COMPREPLY=($(compgen -u -- "$cur")) ||
        COMPREPLY=($(compgen -W "--user --dry-run" -- "$cur")) ;;
    sudoers) [ "$prev" = --user ] && COMPREPLY=($(compgen -u -- "$cur")) ||
        COMPREPLY=($(compgen -W "--user --check" -- "$cur")) ;;
    policy)
        if [ "$n" = 1 ]; then
            COMPREPLY=($(compgen -W "set show allows" -- "$cur"))
        elif [ "$n" = 2 ] && [ "$first" = set ]; then
            COMPREPLY=($(compgen -f -- "$cur"))
        fi ;;
    settings)
        if [ "$n" = 1 ]; then
            COMPREPLY=($(compgen -W "get set reset-decisions" -- "$cur"))
        elif [ "$n" = 2 ] && [ "$first" = set ]; then
            COMPREPLY=($(compgen -W "advanced.cli_location advanced.docker_socket_link advanced.privileged_ports" -- "$cur"))
        elif [ "$n" = 2 ] && [ "$first" = get ]; then
            _hostpriv_offer keys
        elif [ "$n" = 3 ] && [ "$first" = set ]; then
            _hostpriv_offer values "$prev"
        fi ;;
    call) [ "$n" = 1 ] && _hostpriv_offer ops ;;
    privileged)
        case $prev in
        --root) COMPREPLY=($(compgen -d -- "$cur")) ;;
        -c) COMPREPLY=($(compgen -f -- "$cur")) ;;
        *) if [ "$n" = 1 ]; then _hostpriv_offer privileged-tasks
           else COMPREPLY=($(compgen -W "--root -c" -- "$cur")); fi ;;
        esac ;;
    complete) [ "$n" = 1 ] && COMPREPLY=($(compgen -W "commands options keys tasks privileged-tasks ops plugins values" -- "$cur")) ;;
    esac
}

_hostpriv()
{
    COMPREPLY=()
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    local _hostpriv_cur=$cur
    # "--set KEY=" typed: the value (bash made '=' a word of its own)
    if [ "$cur" = "=" ] && [ "$COMP_CWORD" -ge 2 ] &&
       [ "${COMP_WORDS[COMP_CWORD - 2]}" = --set ]; then
        _hostpriv_cur=
        _hostpriv_set_value "$prev"
        COMPREPLY=("${COMPREPLY[@]/#/=}")
        return
    fi
    if [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 3 ] &&
       [ "${COMP_WORDS[COMP_CWORD - 3]}" = --set ]; then
        _hostpriv_set_value "${COMP_WORDS[COMP_CWORD - 2]}"
        return
    fi
    local at
    at=$(_hostpriv_command_at)
    if [ "$at" = 0 ]; then
        _hostpriv_global "$prev"
    else
        _hostpriv_args "${COMP_WORDS[at]}" $((COMP_CWORD - at)) "$prev" \
            "${COMP_WORDS[at + 1]}"
    fi
}

complete -F _hostpriv hostpriv
