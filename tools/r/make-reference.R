# Reference vectors for Wardwatch's Farrington-flexible port (src/detect/farrington.ts).
#
# Generates varied monthly count series, runs R surveillance::farringtonFlexible on each under
# several control lists, and writes test/detect/reference/farrington-reference.json. The
# TypeScript tests (test/detect/farrington-reference.test.ts) replay these without R.
#
# Usage (from the repository root):
#   Rscript tools/r/make-reference.R [output.json]
# Requires: R >= 4.2 with packages surveillance and jsonlite (Debian: apt-get install r-cran-surveillance r-cran-jsonlite).
#
# Monthly data are given to surveillance as sts(freq = 12, epochAsDate = FALSE), so the reference
# time points are simply k - 12, k - 24, ... and wtime is the 1-based time index.

suppressPackageStartupMessages({
  library(surveillance)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "test/detect/reference/farrington-reference.json"

set.seed(20240401)

# ---------------------------------------------------------------------------------------------
# Parameter sets: the R defaults, Wardwatch's monthly defaults, and variations that exercise
# every branch (threshold methods, power transforms, seasonal factor, no trend, no reweighting,
# population offset, pastWeeksNotIncluded, limit54).
# ---------------------------------------------------------------------------------------------
paramSets <- list(
  r_defaults = list(b = 5, w = 3, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.05,
                    trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4), powertrans = "2/3",
                    populationOffset = FALSE, noPeriods = 1, pastWeeksNotIncluded = NULL,
                    thresholdMethod = "delta"),
  wardwatch_defaults = list(b = 5, w = 1, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.005,
                    trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 1), powertrans = "2/3",
                    populationOffset = FALSE, noPeriods = 4, pastWeeksNotIncluded = 3,
                    thresholdMethod = "muan"),
  noufaily_muan = list(b = 4, w = 2, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.01,
                    trend = TRUE, pThresholdTrend = 1, limit54 = c(0, 4), powertrans = "2/3",
                    populationOffset = FALSE, noPeriods = 3, pastWeeksNotIncluded = 6,
                    thresholdMethod = "muan"),
  farrington1996 = list(b = 3, w = 2, reweight = TRUE, weightsThreshold = 1, alpha = 0.01,
                    trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4), powertrans = "2/3",
                    populationOffset = FALSE, noPeriods = 1, pastWeeksNotIncluded = 0,
                    thresholdMethod = "delta"),
  sqrt_noreweight = list(b = 5, w = 2, reweight = FALSE, weightsThreshold = 2.58, alpha = 0.025,
                    trend = TRUE, pThresholdTrend = 0.05, limit54 = c(3, 2), powertrans = "1/2",
                    populationOffset = FALSE, noPeriods = 2, pastWeeksNotIncluded = 2,
                    thresholdMethod = "delta"),
  none_notrend = list(b = 4, w = 1, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.05,
                    trend = FALSE, pThresholdTrend = 0.05, limit54 = c(1, 1), powertrans = "none",
                    populationOffset = FALSE, noPeriods = 5, pastWeeksNotIncluded = 1,
                    thresholdMethod = "delta"),
  population = list(b = 5, w = 1, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.01,
                    trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 1), powertrans = "2/3",
                    populationOffset = TRUE, noPeriods = 4, pastWeeksNotIncluded = 3,
                    thresholdMethod = "nbPlugin")
)

# ---------------------------------------------------------------------------------------------
# Series: negative binomial (or Poisson) counts around exp(theta + beta t + seasonality),
# with past outbreaks, recent outbreaks, runs of zeros, and a population that drifts.
# ---------------------------------------------------------------------------------------------
means <- c(0.5, 1, 2, 3, 5, 8, 12, 20, 35, 50, 80, 120, 200)
nSeries <- 240
series <- vector("list", nSeries)
for (i in seq_len(nSeries)) {
  n <- sample(c(84, 96, 96, 108), 1)
  t <- seq_len(n)
  mu0 <- means[(i - 1) %% length(means) + 1] * exp(runif(1, -0.15, 0.15))
  seasonal <- sample(c(0, 0, 0.2, 0.4, 0.6), 1)
  phase <- runif(1, 0, 2 * pi)
  trend <- sample(c(0, 0, 0, 0.004, -0.004, 0.01, -0.008), 1)
  mu <- mu0 * exp(trend * (t - n / 2) + seasonal * cos(2 * pi * t / 12 + phase))
  phi <- sample(c(1, 1, 1.5, 2, 3, 5), 1)
  y <- if (phi == 1) rpois(n, mu) else rnbinom(n, size = mu / (phi - 1), mu = mu)
  # past outbreaks: 0 to 3, sizes in multiples of the baseline SD, spread over 1-3 months
  for (o in seq_len(sample(0:3, 1))) {
    start <- sample(1:(n - 30), 1)
    len <- sample(1:3, 1)
    size <- rpois(1, sample(c(2, 3, 5, 10), 1) * sqrt(phi * mean(mu)))
    idx <- start:min(n, start + len - 1)
    y[idx] <- y[idx] + as.vector(rmultinom(1, size, rep(1, length(idx))))
  }
  # a recent outbreak in the monitored range for some series
  if (runif(1) < 0.4) {
    m <- sample((n - 23):n, 1)
    y[m] <- y[m] + rpois(1, sample(1:6, 1) * sqrt(phi * mean(mu)) + 2)
  }
  # runs of zeros (recording gaps reported as zero) for a few series
  if (runif(1) < 0.08) {
    start <- sample(1:(n - 40), 1)
    y[start:(start + sample(2:8, 1))] <- 0
  }
  pop <- round(6500 * exp(0.003 * t + rnorm(1, 0, 0.3)))
  startYear <- sample(2012:2016, 1)
  series[[i]] <- list(id = sprintf("s%03d", i), startYear = startYear, observed = as.integer(y),
                      population = as.integer(pop), mean = round(mu0, 3), seasonal = seasonal,
                      trend = trend, phi = phi)
}

# Which parameter sets run on which series: every series runs under two sets.
assignSets <- function(i) {
  k <- length(paramSets)
  unique(c(names(paramSets)[(i - 1) %% k + 1], names(paramSets)[(i + 2) %% k + 1]))
}

numOrNull <- function(x) if (is.na(x)) NA else unname(x)

cases <- list()
for (i in seq_len(nSeries)) {
  s <- series[[i]]
  n <- length(s$observed)
  for (setName in assignSets(i)) {
    ctl <- paramSets[[setName]]
    obj <- sts(observed = matrix(s$observed, ncol = 1), start = c(s$startYear, 1), frequency = 12,
               epochAsDate = FALSE, population = matrix(s$population, ncol = 1))
    # monitor the last 24 months, from the first month with enough history (freq * b + w + 1,
    # which is also R's default start of the range)
    ctl$range <- max(n - 23, 12 * ctl$b + ctl$w + 1):n
    ctl$glmWarnings <- FALSE
    res <- tryCatch(farringtonFlexible(obj, control = ctl), error = function(e) e)
    if (inherits(res, "error")) {
      message("series ", s$id, " set ", setName, ": ", conditionMessage(res))
      next
    }
    rows <- lapply(seq_along(ctl$range), function(r) {
      list(k = ctl$range[r],
           observed = s$observed[ctl$range[r]],
           upperbound = numOrNull(upperbound(res)[r, 1]),
           alarm = numOrNull(alarms(res)[r, 1]),
           expected = numOrNull(res@control$expected[r, 1]),
           pvalue = numOrNull(res@control$pvalue[r, 1]),
           phi = numOrNull(res@control$phiVector[r, 1]),
           trend = numOrNull(res@control$trend[r, 1]))
    })
    cases[[length(cases) + 1]] <- list(series = s$id, params = setName, results = rows)
  }
}

outList <- list(
  generatedBy = "tools/r/make-reference.R",
  rVersion = R.version.string,
  surveillanceVersion = as.character(packageVersion("surveillance")),
  note = paste("k is the 1-based time index; month k of a series starting in January of startYear.",
               "upperbound/expected are NA (null) where R gives NA, e.g. when the limit54 gate fails."),
  paramSets = lapply(paramSets, function(p) { p$pastWeeksNotIncluded <- if (is.null(p$pastWeeksNotIncluded)) NA else p$pastWeeksNotIncluded; p }),
  series = series,
  cases = cases
)
dir.create(dirname(out), recursive = TRUE, showWarnings = FALSE)
writeLines(toJSON(outList, auto_unbox = TRUE, digits = NA, na = "null", null = "null"), out)
message("wrote ", out, ": ", length(series), " series, ", length(cases), " cases")
