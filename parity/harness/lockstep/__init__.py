"""The lockstep as named stages over a pair of sides (see session.py):

    plan.py      validate: inputs checked, update rows and blocks derived        (no chain, no JAX)
    inputs.py    map: float parameters and prices as the integers both sides use
    jaxstep.py   the jitted JAX steps the JAX sides call
    sides.py     rule level: the scan path, the rule contract, the integer rule model
    session.py   deploy -> initialise -> step -> finish, calling the sides
    result.py    LockstepResult, RevertInfo, ModelMismatch
"""
