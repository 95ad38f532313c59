# fish completion for hostpriv(1): commands, options, configuration keys,
# task and plugin names.  The words come from the program being completed
# (`hostpriv complete WHAT`).  Installed as
# $(DATADIR)/fish/vendor_completions.d/hostpriv.fish.

function __hostpriv_words
    set -l prog (commandline -opc)[1]
    command -q $prog; or set prog hostpriv
    command -q $prog; and command $prog complete $argv 2>/dev/null
end

# The command given so far (the first word that is no option or its value).
function __hostpriv_command
    set -l w (commandline -opc)
    set -l i 2
    while test $i -le (count $w)
        switch $w[$i]
            case -c --root --set
                set i (math $i + 2)
                continue
            case '-*'
            case '*'
                echo $w[$i]
                return 0
        end
        set i (math $i + 1)
    end
    return 1
end

function __hostpriv_no_command
    not __hostpriv_command >/dev/null
end

function __hostpriv_command_is
    contains -- (__hostpriv_command) $argv
end

complete -c hostpriv -f
complete -c hostpriv -n __hostpriv_no_command -a '(__hostpriv_words commands)'
complete -c hostpriv -n __hostpriv_no_command -s c -r -F -d 'read FILE after the system and user configs'
complete -c hostpriv -n __hostpriv_no_command -l root -r -a '(__fish_complete_directories)' -d 'resolve host paths under DIR'
complete -c hostpriv -n __hostpriv_no_command -l set -r -a '(__hostpriv_words keys | string replace -r \'$\' =)' -d 'override one key'
complete -c hostpriv -n __hostpriv_no_command -l json -d 'JSON on stdout'
complete -c hostpriv -n __hostpriv_no_command -s q -l quiet -d 'only notices and errors'
complete -c hostpriv -n __hostpriv_no_command -s v -l verbose -d 'every step'
complete -c hostpriv -n __hostpriv_no_command -l help
complete -c hostpriv -n __hostpriv_no_command -l version
complete -c hostpriv -n '__hostpriv_command_is links socket-link' -a 'install remove'
complete -c hostpriv -n '__hostpriv_command_is hosts' -a ensure
complete -c hostpriv -n '__hostpriv_command_is bind' -a 'tcp udp'
complete -c hostpriv -n '__hostpriv_command_is config' -l check
complete -c hostpriv -n '__hostpriv_command_is doctor' -l json
complete -c hostpriv -n '__hostpriv_command_is install sudoers' -l user -r -a '(__fish_complete_users)'
complete -c hostpriv -n '__hostpriv_command_is install' -l dry-run -d 'print each change, make none'
complete -c hostpriv -n '__hostpriv_command_is sudoers' -l check
complete -c hostpriv -n '__hostpriv_command_is policy' -a 'set show allows'
complete -c hostpriv -n '__hostpriv_command_is settings' -a 'get set reset-decisions'
complete -c hostpriv -n '__hostpriv_command_is settings' -a 'advanced.cli_location advanced.docker_socket_link advanced.privileged_ports'
complete -c hostpriv -n '__hostpriv_command_is call' -a '(__hostpriv_words ops)'
complete -c hostpriv -n '__hostpriv_command_is privileged' -a '(__hostpriv_words privileged-tasks)'
complete -c hostpriv -n '__hostpriv_command_is privileged' -l root -r -a '(__fish_complete_directories)'
complete -c hostpriv -n '__hostpriv_command_is complete' -a 'commands options keys tasks privileged-tasks ops plugins values'
