# Plots the VM lab's load-balancer comparison (tools/vmlab --scenarios balancer --report F.md
# writes F.csv and runs this for F.png):
#   gnuplot -e "csv='bench/results/vmlab-balancer.csv'; png='bench/results/vmlab-balancer.png'" bench/balancer/plot_vmlab.gp
# The CSV: what,keepalived_ipvs,xvipd; rows 0-4 connections broken by each fault (of the set
# held), row 5 seconds a dead backend still got new connections, row 6 thousands of datagrams
# forwarded per CPU-second of the active guest.
if (!exists("csv")) csv = "bench/results/vmlab-balancer.csv"
if (!exists("png")) png = "bench/results/vmlab-balancer.png"

set datafile separator comma
set datafile columnheaders
set terminal pngcairo size 1200,460 font "sans,10" noenhanced
set output png
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key below
set multiplot layout 1,3 title "Load balancing in the VM lab's Debian 12 guests (TCG-emulated): keepalived + IPVS DR vs xvipd, one keepalived.conf, each daemon's defaults"

# Each bar's value above it (xvipd's zeros would not show otherwise): the two bars of a cluster
# are centred 1/6 left and right of it.
set title "TCP connections broken (of 30 held)"
set yrange [0:35]
set xtics rotate by -20 left
plot csv every ::0::4 using 2:xtic(1) title "keepalived + IPVS" lc rgb "#3182bd", \
     "" every ::0::4 using 3 title "xvipd" lc rgb "#e6550d", \
     "" every ::0::4 using ($0 - 1.0/6):($2 + 1):(sprintf("%g", $2)) with labels notitle, \
     "" every ::0::4 using ($0 + 1.0/6):($3 + 1):(sprintf("%g", $3)) with labels notitle

set xtics norotate
set title "a dead backend gets new connections for (s)"
set logscale y
set yrange [0.1:300]
plot csv every ::5::5 using 2:xtic(1) title "keepalived + IPVS" lc rgb "#3182bd", \
     "" every ::5::5 using 3 title "xvipd" lc rgb "#e6550d", \
     "" every ::5::5 using ($0 - 1.0/6):($2 * 1.3):(sprintf("%g", $2)) with labels notitle, \
     "" every ::5::5 using ($0 + 1.0/6):($3 * 1.3):(sprintf("%g", $3)) with labels notitle
unset logscale y

set title "thousand datagrams forwarded per CPU-second\n(emulated: only the ratio counts)"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
plot csv every ::6::6 using 2:xtic(1) title "keepalived + IPVS" lc rgb "#3182bd", \
     "" every ::6::6 using 3 title "xvipd" lc rgb "#e6550d", \
     "" every ::6::6 using ($0 - 1.0/6):($2 * 1.04):(sprintf("%g", $2)) with labels notitle, \
     "" every ::6::6 using ($0 + 1.0/6):($3 * 1.04):(sprintf("%g", $3)) with labels notitle
unset multiplot
