"""The thin HTTP front: authentication, validation, authorisation by jurisdiction, error mapping.

Process state lives in the workflows; this package starts them, sends them actions and reads the projection.
"""
