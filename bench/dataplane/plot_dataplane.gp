# Plots the data-plane benchmark's CSVs, written by xvip-bench-dataplane, as PNGs beside them:
#   gnuplot -e "dir='bench/results'" bench/dataplane/plot_dataplane.gp
if (!exists("dir")) dir = "bench/results"

set datafile separator comma
set datafile columnheaders
set terminal pngcairo size 960,520 font "sans,10" noenhanced
set style data histogram
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key top left

set output dir."/ns_per_frame.png"
set title "ns per frame with BPF_PROG_TEST_RUN: the trivial XDP_PASS program vs xvip\n(* reply paths: single runs, repeat = 1, harness cost included in both)"
set ylabel "ns per frame"
set style histogram clustered gap 1
set xtics rotate by -20 left
set bmargin 9
set offsets 0, 0, graph 0.08, 0
plot dir."/ns_per_frame.csv" using 2:xtic(1) title "trivial min" lc rgb "#9ecae1", \
     "" using 3 title "trivial median" lc rgb "#3182bd", \
     "" using 4 title "xvip min" lc rgb "#fdae6b", \
     "" using 5 title "xvip median" lc rgb "#e6550d"

unset offsets
set xtics norotate
set bmargin
set output dir."/arp_rate.png"
set title "ARP replies per second on a veth pair, counted at the sender, for each generator\n(median over rounds, bars: min to max)"
set ylabel "replies per second (thousands)"
set style histogram errorbars gap 2 lw 1.5
set key off
plot dir."/arp_rate.csv" using ($2/1000):($3/1000):($4/1000):xtic(1) lc rgb "#3182bd", \
     "" using 0:($2/1000):(sprintf("%.0f k", $2/1000)) with labels offset 5,0.6

set output dir."/tcp_throughput.png"
set title "TCP throughput client -> VIP through node0's eth0 (iperf3)\n(median over rounds, bars: min to max)"
set ylabel "Gbit/s"
plot dir."/tcp.csv" using 2:3:4:xtic(1) lc rgb "#31a354", \
     "" using 0:2:(sprintf("%.2f", $2)) with labels offset 5,0.6
