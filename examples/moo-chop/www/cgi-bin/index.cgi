#!/bin/sh
# One random colour per request; the architecture is the running machine's.
set -- crimson darkorange gold seagreen steelblue mediumpurple hotpink teal
shift $(( $(od -An -N1 -tu1 /dev/urandom) % $# ))
colour=$1
echo "Content-Type: text/html"
echo
cat <<HTML
<!doctype html>
<title>moo-chop</title>
<body style="background:$colour;font-family:sans-serif;text-align:center;padding-top:20vh">
<h1>hello world</h1>
<p>running on $(uname -m), built for $(cat /www/built-on)</p>
</body>
HTML
