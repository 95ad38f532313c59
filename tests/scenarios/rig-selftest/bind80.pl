# bind 127.0.0.1:80 and say so; exits with errno on failure (13 = EACCES)
use Socket;
socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
if (!bind($s, pack_sockaddr_in(80, inet_aton("127.0.0.1")))) {
    my $e = $! + 0;
    print STDERR "bind 127.0.0.1:80: $!\n";
    exit $e;
}
print "bound 127.0.0.1:80\n";
