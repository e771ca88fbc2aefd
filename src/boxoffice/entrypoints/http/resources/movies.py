"""Movies: owners add and change them, anyone reads them."""

from __future__ import annotations

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call, Listing


class Movies:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def list(self, call: Call[None, shapes.PageQuery]) -> Listing:
        page = self._boxoffice.list_movies(after=call.query.after, limit=call.query.limit)
        return Listing.of(page, shapes.Movie.of)

    def add(self, call: Call[shapes.MovieRequest, None]) -> shapes.Movie:
        body = call.body
        movie = self._boxoffice.add_movie(
            call.actor, title=body.title, genre=body.genre, duration=body.duration
        )
        return shapes.Movie.of(movie)

    def get(self, call: Call[None, None]) -> shapes.Movie:
        return shapes.Movie.of(self._boxoffice.get_movie(call.ids["movie_id"]))

    def update(self, call: Call[shapes.MoviePatch, None]) -> shapes.Movie:
        body = call.body
        movie = self._boxoffice.update_movie(
            call.actor,
            call.ids["movie_id"],
            title=body.title,
            genre=body.genre,
            duration=body.duration,
        )
        return shapes.Movie.of(movie)
