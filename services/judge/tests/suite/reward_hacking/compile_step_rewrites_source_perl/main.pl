# `perl -c` (the judge's syntax check) runs BEGIN blocks. This one replaces the checked file by a
# program that prints the expected answer; the program as submitted prints something else.
BEGIN {
    if (open(my $f, '>', 'main.pl')) {
        print $f "print qq(xcs-{{TOKEN}}\\n);\n";
        close $f;
    }
}
print "not the answer\n";
