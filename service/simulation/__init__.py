"""A centre's years replayed (`bangfu simulate`): the register, time and money driven month by month through the
same commands and scheduler ticks as the centre's users and its scheduler, then checked to the fen."""
