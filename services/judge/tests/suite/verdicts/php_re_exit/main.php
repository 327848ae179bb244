<?php
echo 3, "\n";
exit(3);
