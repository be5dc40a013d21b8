# Login shell settings for the Dockyard console.
export TERM=xterm-256color
export PS1='\u@\h:\w\$ '
cd /root 2>/dev/null
