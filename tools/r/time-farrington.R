# Times R surveillance::farringtonFlexible on series written by bench/detect.bench.ts, judging one
# month (the last) of each, and writes the seconds taken and R's results as JSON.
# Usage: Rscript tools/r/time-farrington.R input.json output.json
# input: {"params": {R control list}, "startYear": 2016, "series": [[counts...], ...]}
suppressPackageStartupMessages({
  library(surveillance)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
input <- fromJSON(args[1], simplifyVector = TRUE)
ctl <- input$params
ctl$limit54 <- as.numeric(ctl$limit54)
ctl$glmWarnings <- FALSE
series <- input$series
if (is.list(series)) series <- do.call(rbind, series)
n <- ncol(series)
ctl$range <- n
upper <- numeric(nrow(series))
alarm <- logical(nrow(series))
elapsed <- system.time({
  for (i in seq_len(nrow(series))) {
    obj <- sts(observed = matrix(series[i, ], ncol = 1), start = c(input$startYear, 1), frequency = 12, epochAsDate = FALSE)
    res <- farringtonFlexible(obj, control = ctl)
    upper[i] <- upperbound(res)[1, 1]
    alarm[i] <- alarms(res)[1, 1]
  }
})[["elapsed"]]
writeLines(toJSON(list(seconds = elapsed, series = nrow(series), rVersion = R.version.string,
                       surveillanceVersion = as.character(packageVersion("surveillance")),
                       upperbound = upper, alarm = alarm), auto_unbox = TRUE, digits = NA, na = "null"), args[2])
