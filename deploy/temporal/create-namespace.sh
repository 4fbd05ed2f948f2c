#!/bin/sh
# The namespace mineflow runs in, with the retention of closed cases' histories (see docs/operations.md).
set -eu
ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_RETENTION:-3650d}
until temporal operator cluster health --address "$ADDRESS"; do echo "waiting for Temporal at $ADDRESS"; sleep 3; done
temporal operator namespace describe -n "$NAMESPACE" --address "$ADDRESS" \
  || temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
echo "namespace $NAMESPACE ready"
