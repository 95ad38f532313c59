# A first-match hosts lookup for IPv4, as glibc's files backend does it:
# the first line whose names include NAME and whose address is IPv4
# decides.  Prints that address (nothing when no line maps NAME).
# Usage: awk -v name=NAME -f first-match.awk HOSTSFILE
{
    sub(/#.*/, "")
    sub(/\r$/, "")
    if ($1 !~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/)
        next
    for (i = 2; i <= NF; i++)
        if (tolower($i) == tolower(name)) {
            print $1
            exit
        }
}
