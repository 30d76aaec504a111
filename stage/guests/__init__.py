"""Guests on the show: invites and the host's controls (:mod:`.room`), their media
(:mod:`.media`), where they go in the picture (:mod:`.layout`), the program mix
(:mod:`.program`), the host's attention (:mod:`.attention`) and their WebRTC link
(:mod:`.link`)."""
