"""Building blocks shared by the procedures: refusals, activity calls, countersign rounds, the statutory clock
and the committee (三重一大) meeting rules."""
