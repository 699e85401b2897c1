/* report/charts: the class page's inline SVG: a bar per probe's pass rate, a histogram of scores. */
#include "html.h"
#include "lab.h"

#include <string.h>

/* Probe pass rates (over graded students) as a horizontal bar chart. */
void add_pass_chart(struct strbuf *sb, const struct column *cols, size_t n)
{
	const int row = 22, label = 340, bar = 300;

	sb_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"pass rate of each probe\">\n",
		label + bar + 60, (int)n * row + 8);
	for (size_t i = 0; i < n; i++) {
		const char *name = cols[i].name;
		double rate = cols[i].graded ? (double)cols[i].passed / (double)cols[i].graded : 0;
		int y = 4 + (int)i * row;
		size_t cut = cut_utf8(name, strlen(name), 48);

		sb_adds(sb, "<g><title>");
		html(sb, name);
		sb_addf(sb, ": %zu of %zu passed</title>", cols[i].passed, cols[i].graded);
		sb_addf(sb, "<text x=\"0\" y=\"%d\">%lld. ", y + 14, cols[i].number);
		sb_add_html(sb, name, cut);
		if (cut < strlen(name))
			sb_adds(sb, "…");
		sb_addf(sb, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" fill=\"#eceff1\"/>"
			"<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#43a047\"/>"
			"<text x=\"%d\" y=\"%d\">%.0f%%</text></g>\n",
			label, y + 3, bar, label, y + 3, rate * bar, label + bar + 6, y + 14,
			rate * 100);
	}
	sb_adds(sb, "</svg>\n");
}

/* The histogram of scores from 0 to max: a bin a point for up to 40 points, else 20 bins. */
static int hist_per_point(double max)
{
	return max >= 1 && max <= 40 && max == (double)(int)max;
}

int hist_bins(double max)
{
	return hist_per_point(max) ? (int)max + 1 : 20;
}

/* Counts score in its bin of count (hist_bins(max) of them). */
void hist_add(size_t *count, double max, double score)
{
	int per_point = hist_per_point(max), bins = hist_bins(max);
	int b = per_point ? (int)(score + 0.5) : max > 0 ? (int)(score / max * bins) : 0;

	if (b < 0)
		b = 0;
	if (b >= bins)
		b = bins - 1;
	count[b]++;
}

/* Graded students' scores, counted by hist_add, as a histogram from 0 to max. */
void add_histogram(struct strbuf *sb, const size_t *count, double max)
{
	const int height = 140, base = 160, width = 640;
	int per_point = hist_per_point(max);
	int bins = hist_bins(max);
	size_t top = 1;

	for (int b = 0; b < bins; b++)
		if (count[b] > top)
			top = count[b];
	int w = width / bins;
	if (w > 48)
		w = 48;
	sb_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"histogram of scores\">\n", w * bins + 20, base + 20);
	for (int b = 0; b < bins; b++) {
		int h = (int)((double)count[b] / (double)top * height + 0.5);
		double lo = per_point ? b : max * b / bins, hi = per_point ? b : max * (b + 1) / bins;
		sb_adds(sb, "<g><title>score ");
		add_num(sb, lo);
		if (!per_point) {
			sb_adds(sb, " to ");
			add_num(sb, hi);
		}
		sb_addf(sb, ": %zu student%s</title>", count[b], count[b] == 1 ? "" : "s");
		sb_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#1e88e5\"/>",
			10 + b * w, base - h, w - 2, h);
		if (count[b])
			sb_addf(sb, "<text x=\"%d\" y=\"%d\">%zu</text>", 10 + b * w, base - h - 3,
				count[b]);
		if (per_point || b % 5 == 0) {
			sb_addf(sb, "<text x=\"%d\" y=\"%d\">", 10 + b * w, base + 15);
			add_num(sb, lo);
			sb_adds(sb, "</text>");
		}
		sb_adds(sb, "</g>\n");
	}
	sb_adds(sb, "</svg>\n");
}
