#!/usr/bin/env Rscript
# Reference vectors for the parameter settings the shipped ward spike rules use (alerts/
# residential-burglary-spike.yaml, alerts/violence-with-injury-spike.yaml): R surveillance::
# farringtonFlexible on the 240 series of farrington-reference.json (made by tools/r/make-reference.R),
# every series under each setting, the last 24 months. Writes ward-spike-reference.json in the same
# format (series are referred to by id, not copied). Deterministic; a few minutes.
#
#   apt-get install -y r-cran-surveillance r-cran-jsonlite
#   Rscript test/detect/reference/make-ward-spike-reference.R
suppressPackageStartupMessages({
  library(surveillance)
  library(jsonlite)
})
here <- "test/detect/reference"
ref <- fromJSON(file.path(here, "farrington-reference.json"), simplifyVector = FALSE)

paramSets <- list(
  # Both ward rules as first tuned in round 3, on exact figures: Noufaily et al. (2013) plug-in negative
  # binomial threshold at 95%, all baseline months with a seasonal factor (noPeriods = 4), no time trend.
  ward_spike_notrend = list(b = 5, w = 1, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.05,
                            trend = FALSE, pThresholdTrend = 0.05, limit54 = c(5, 1), powertrans = "2/3",
                            populationOffset = FALSE, noPeriods = 4, pastWeeksNotIncluded = 3,
                            thresholdMethod = "nbPlugin"),
  # The same at 97.5%: the shipped residential burglary rule (judged on perturbed figures, see its file).
  ward_spike_notrend_025 = list(b = 5, w = 1, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.025,
                                trend = FALSE, pThresholdTrend = 0.05, limit54 = c(5, 1), powertrans = "2/3",
                                populationOffset = FALSE, noPeriods = 4, pastWeeksNotIncluded = 3,
                                thresholdMethod = "nbPlugin"),
  # The same at 96%: the shipped violence with injury rule (judged on perturbed figures).
  ward_spike_notrend_04 = list(b = 5, w = 1, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.04,
                               trend = FALSE, pThresholdTrend = 0.05, limit54 = c(5, 1), powertrans = "2/3",
                               populationOffset = FALSE, noPeriods = 4, pastWeeksNotIncluded = 3,
                               thresholdMethod = "nbPlugin"),
  # The ward spike rules of round 2 (the same with the trend test), for comparison runs.
  ward_spike_trend = list(b = 5, w = 1, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.025,
                          trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 1), powertrans = "2/3",
                          populationOffset = FALSE, noPeriods = 4, pastWeeksNotIncluded = 3,
                          thresholdMethod = "nbPlugin")
)

numOrNull <- function(x) if (is.na(x)) NA else unname(x)
cases <- list()
for (s in ref$series) {
  observed <- unlist(s$observed)
  n <- length(observed)
  for (setName in names(paramSets)) {
    ctl <- paramSets[[setName]]
    obj <- sts(observed = matrix(observed, ncol = 1), start = c(s$startYear, 1), frequency = 12, epochAsDate = FALSE)
    ctl$range <- max(n - 23, 12 * ctl$b + ctl$w + 1):n
    ctl$glmWarnings <- FALSE
    res <- tryCatch(farringtonFlexible(obj, control = ctl), error = function(e) e)
    if (inherits(res, "error")) {
      message("series ", s$id, " set ", setName, ": ", conditionMessage(res))
      next
    }
    rows <- lapply(seq_along(ctl$range), function(r) {
      list(k = ctl$range[r],
           observed = observed[ctl$range[r]],
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

out <- file.path(here, "ward-spike-reference.json")
writeLines(toJSON(list(
  generatedBy = "test/detect/reference/make-ward-spike-reference.R",
  rVersion = R.version.string,
  surveillanceVersion = as.character(packageVersion("surveillance")),
  seriesFrom = "farrington-reference.json",
  note = "k is the 1-based time index; upperbound/expected are NA (null) where R gives NA (the limit54 gate).",
  paramSets = paramSets,
  cases = cases
), auto_unbox = TRUE, digits = NA, na = "null", null = "null"), out)
message("wrote ", out, ": ", length(cases), " cases")
